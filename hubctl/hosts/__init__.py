"""A site's hosts once deployed: their first boot, and SSH to them through the bastion."""
