module arenawatt

go 1.19
