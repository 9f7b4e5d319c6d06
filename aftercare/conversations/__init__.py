"""Two-way conversations: staff and clinicians text a patient (or a number not on file)
back through the outbox, with canned replies, an inbox of unmatched replies, and email
replies read like texts."""
