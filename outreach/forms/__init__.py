"""Imported forms: XLSForm files read with pyxform, their expressions evaluated as ODK does."""
