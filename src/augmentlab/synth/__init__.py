"""Synthesis: class-conditional generators behind one fit/sample/save/load interface."""
