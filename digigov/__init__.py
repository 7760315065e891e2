"""数字政府决策看板 domain package: pure Python, never imports streamlit."""
