useradd -m bob; echo "set hold" > /home/bob/.mailrc
