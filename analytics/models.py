"""Analytics models arrive with the nightly pipeline."""
