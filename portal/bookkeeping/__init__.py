"""Bookkeeping (記帳): statements become journal entries (仕訳). Pure code only: the entry
types, the tax-class catalogue, rule matching and the journal-file formats. Storage lives in
portal.models.books and portal.services.books."""
