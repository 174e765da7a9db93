"""The monthly receipt ("Распечатать квитанцию") with its payment QR code."""
