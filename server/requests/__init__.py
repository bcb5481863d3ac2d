"""Residents' requests (诉求): their life, timeline, photos and ratings."""
