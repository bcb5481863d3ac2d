"""WeChat's server APIs: a hand-written HTTP client and an HTTP fake of WeChat for dev and tests."""
