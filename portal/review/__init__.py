"""The KI's side: queues, the review of an application, and the decision."""
