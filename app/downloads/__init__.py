"""Getting model files from Hugging Face: the Hub client, one verified download, the queue, the
curated catalog. Adapters to the outside, below the services; see app/services/downloads.py for
the API the window and the command line use."""
