"""What the API and the alert emails both show people: the records store (API keys, subscriptions,
deliveries, pipeline runs), CPF masking and network pictures."""
