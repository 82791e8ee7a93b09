"""Reading the user's documents: one reader per format (PDF, Word, Markdown, text, HTML, e-mail)
yielding sections (pages, or the text under a heading), and the chunker that cuts them into
passages with exact offsets. An adapter like app.downloads: no Qt, no store; the libraries
(pypdf, python-docx, BeautifulSoup) are imported when a file of their kind is first read.
"""
