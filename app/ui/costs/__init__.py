"""What replies cost: the usage bar and budget pill, the usage dashboard with its cards and charts,
the cost texts (no Qt), the costs settings page and price overrides, the budget confirmation,
and the controller (cost_actions)."""
