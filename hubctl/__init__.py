"""The operator tool: `hubctl` and what it drives (the deployer, the DR drill, failure
diagnosis, and turning a synthesised stack or a state export into the policy pack's views).

It sits on top: it imports the program (infra), the offline synthesis engine (synth), the
policy pack (policies) and the base (hubcore); none of them imports it.
"""
