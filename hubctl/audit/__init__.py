"""`hubctl audit`: the policy pack on what is really deployed (issue 22).

inventory (openstacksdk, read-only, faults as gaps) -> mapping (one table into the pack's
resource model: builders make each type's resources, normalise says how each property compares)
-> compare (managed, unmanaged, missing, drift against the site's states) -> run (one target per
project, made by target, judged by the pack) -> record (the latest audit, for evidence).
"""
