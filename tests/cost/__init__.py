"""Tests of cost control: the budget plan and the request tracker."""
