"""`zdd verify`: probe a URL through a deploy and prove (or disprove) zero downtime."""
