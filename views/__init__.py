"""Streamlit pages: thin views that read widgets, call one domain function, render."""
