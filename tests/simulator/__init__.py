"""Tests of the Fleet API simulator."""
