"""Tests of the Fleet API client."""
