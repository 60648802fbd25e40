"""The airlock: results leave a research workspace only through an audited, two-person release.

A member submits files (`hubctl workspace airlock submit`): each is pinned by SHA-256, checked
by the disclosure checks (hubctl.airlock.checks) and put in the workspace's outbox under the
request's id; a request with a blocking finding is blocked and nothing is uploaded. Two
distinct data officers, neither a member, approve; each decision is written to a container
only that officer may write, so Swift attests who decided. The site's operator releases: the
approved bytes, re-read and re-hashed, are copied to the project's release area (in the site's
project, which members cannot read), then removed from the outbox.

    model      the request record, its states and transitions, findings, decisions
    names      what a file name or request id may be (hostile names are refused)
    checks/    one module per disclosure check, and the runner that applies them
    store      the containers through Swift's API: ledger, outbox, decisions, release area
    actions    submit, approve, reject, cancel, release: the state machine on the cloud
"""
