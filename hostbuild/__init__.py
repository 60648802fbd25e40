"""The hosts' Debian base root and the local cloud's image, built from the hardening's packages.

`debian_root` builds the cached Debian bookworm root a stock cloud image stands for (debootstrap,
then commands run in a fenced chroot); `image` builds the local cloud's signed `Debian 12` image
and package repository from it (`scripts/image`). Neither is part of the Pulumi program: this
room imports hubcore and infra (the hardening's packages and roles), and the program never
imports it.
"""
