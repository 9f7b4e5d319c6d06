"""A patient's data rights: everything we hold about them (export), erasure at their
request, and retention (message and reply words removed after a set time)."""
