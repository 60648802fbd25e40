"""The small base that the program (infra), the policy pack (policies) and the operator tool
(hubctl) share: the region catalogue, configuration values with their file and line, stack names,
the strict YAML reader, the stack files' reader and Pulumi's wire encoding. It imports none of
them.
"""
