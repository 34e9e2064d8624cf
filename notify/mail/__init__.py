"""The e-mail outbox: messages are rows written with the change that causes them,
sent over SMTP by a job after the commit."""
