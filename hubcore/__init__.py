"""The small base that the program (infra), the policy pack (policies), the operator tool
(hubctl) and the local cloud (localcloud, for its /proc reader only) share: the region catalogue,
configuration values with their file and line, stack names, the strict YAML reader, the stack
files' reader, Pulumi's wire encoding and the /proc reader. It imports none of them.
"""
