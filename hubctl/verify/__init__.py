"""`hubctl verify`: a deployed site's hosts (the host suite over SSH) and flows (real packets)."""
