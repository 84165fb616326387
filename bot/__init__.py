"""The technet application: config, app factory, CLI, scheduler and surfaces."""
