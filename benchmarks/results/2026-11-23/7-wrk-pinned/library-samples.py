import json,collections,sys
d=json.load(open(sys.argv[1]))
ev=d['recording']['events']
tot=len(ev); lib=collections.Counter(); n=0
for e in ev:
    fr=e['values']['stackTrace']['frames']
    names=[f['method']['type']['name']+'.'+f['method']['name'] for f in fr]
    for i,nm in enumerate(names):
        if nm.startswith('io/drain4j/'):
            if not nm.startswith('io/drain4j/samples'):
                n+=1; lib[nm.split('/')[-1]+' <- leaf '+names[0].split('/')[-1]]+=1
            break
print('samples',tot,'nearest drain4j frame is library:',n, '%.1f%%'%(100*n/tot))
for k,c in lib.most_common(int(sys.argv[2]) if len(sys.argv)>2 else 25): print(c,k)
