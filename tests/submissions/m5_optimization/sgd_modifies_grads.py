# expect: exercise=SGD hint=grads_modified
# SGD scales the gradient array in place (g *= lr) before subtracting it, which changes the caller's grads.


class SGD:
    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key]
            g *= self.lr
            p -= g
