"""Photos patients send with their replies (MMS): checked, stored, thumbnailed, and shown
to clinicians through the signed-in app only."""
