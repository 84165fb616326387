"""The neutral layer beneath handlers and digests: what a reply is (core.ui), its text (core.markup),
the ids of actions and forms, the prose templates, the command words and the delivery interface.

It imports only storage and content, never a surface: each surface in bot/ renders what is built here.
"""
