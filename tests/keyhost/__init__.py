"""Tests for the keyhost companion package."""
