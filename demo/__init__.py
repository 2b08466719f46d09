"""The demo cohort's blogs, served from this machine so that the demo builds offline."""
