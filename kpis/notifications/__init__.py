"""Mail: the leaders' summary to subscribers, reminders to staff and approvers
(docs/notifications.md). Writes are in kpis/services/mail.py and reminders.py."""
