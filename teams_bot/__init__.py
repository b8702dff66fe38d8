"""The Teams edge: the only package that knows aiohttp and the Bot Framework."""
