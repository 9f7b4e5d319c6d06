"""A clinic group's locations: what each one's messages say and send from, its quiet hours
and on-call contacts, and which locations a user works at."""
