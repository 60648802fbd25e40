"""The offline synthesis engine: the hub's program run in process under Pulumi's mocks.

`hubctl synth` and `hubctl check --stack` use it; the program itself (infra/) never does. It
imports the program and the base, and nothing imports it but hubctl and the tests.
"""
