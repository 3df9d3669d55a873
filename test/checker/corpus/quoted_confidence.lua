-- expect: wrong-field-type
return { decision = "collaborative", confidence = "0.8", reasoning = "confidence written as text" }
