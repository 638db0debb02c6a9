"""Every write of governance, one function per action, named ``<entity>_<action>(*, ...)``.

Each owns its transaction, validates with ``full_clean()``, writes its audit event and queues its notifications
through the outbox in that same transaction. Import from the modules: ``governance.services.requests`` etc.
"""
