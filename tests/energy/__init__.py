"""Tests of the energy history: bucket arithmetic, the importer, the store."""
