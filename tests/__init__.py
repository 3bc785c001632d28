"""Tests of the Tesla Powerwall 3 integration."""
