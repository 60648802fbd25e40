"""Datasets encrypted on the client side under their dataset keys, and those keys' recovery.

manifest: the SHA-256 manifest of each dataset version; store: load, read and list through
Swift and Barbican; keys: key identity and check values; escrow: dataset keys wrapped under
the replica region's KEK; custodians: Shamir shares (SLIP-39) encrypted to each custodian
(age); recovery: a key back from escrow or shares, in the DR region; shred: crypto-shredding
with its evidence record.
"""
