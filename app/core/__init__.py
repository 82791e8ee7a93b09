"""Value types and pure logic. Imports nothing else from app/."""
