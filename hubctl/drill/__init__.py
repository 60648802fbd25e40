"""The DR drill: rebuild a site's stacks from nothing in its DR region, restore, verify, measure.

plan: scenarios, safety checks and the dependency plan; timing: engine events turned into cloud
wait versus tool time; cloud: openstacksdk connections per site; replication: the replica job and
the restore; verify: API checks of the rebuilt site; report: JSON, Markdown and the timeline
chart; runner: the drill itself, its phases in order, each in a module of its own: start (backend,
clouds, journal), loss (the primary before and at the loss), rebuild (layers and the restore),
checking (hosts, layers, state), assemble (the report from the records), cleanup; context holds
what they share.
"""
