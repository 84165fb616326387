"""Every action_id, callback_id and block_id, in one place for handlers, views and tests."""
