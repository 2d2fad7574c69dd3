"""The demo app keeps no models of its own."""
