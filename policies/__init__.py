"""The Sovereign Hub policy pack: rules that run offline (hubctl check) and under CrossGuard."""
