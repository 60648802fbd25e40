"""The OpenStack implementation of hubctl's cloud (openstacksdk): the one place hubctl imports
the OpenStack SDK."""
