"""Uploads turned into what the model is sent: images and videos on the model's grid, checked and encoded once."""
