"""Adapters to the outside: the local llama.cpp engine and cloud chat APIs."""
