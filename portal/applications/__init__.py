"""The applicant's side of an application: task list, steps, plan, attachments, submission."""
